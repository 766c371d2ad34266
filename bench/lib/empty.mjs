// SPDX-License-Identifier: MIT
// The bare-runtime baseline of the cold-start bench: a module that does nothing.
