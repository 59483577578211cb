/**
 * {@code storage}, a command-line tool on the storage library (copy, ls, cat, stat, rm,
 * selftest) for operators and for checking a store's settings. It is a program: it reaches the
 * backends only by scheme and must not be depended on by another program.
 */
package io.submarine.storage.cli;
