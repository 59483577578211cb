/**
 * Read-only {@code sftp://} and {@code ftp://} sources through Apache Commons VFS, for the
 * localizer; nothing is ever written there. Host keys are checked unless explicitly opted out.
 */
package io.submarine.storage.vfs;
