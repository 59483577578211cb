/**
 * Read-only {@code http(s)://} sources on the JDK's HTTP client, with request headers from a
 * file (tokens); nothing is ever written there.
 */
package io.submarine.storage.http;
