package io.submarine.storage;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a blob lives: {@code scheme://authority/path}, kept as typed text rather than a
 * {@link java.net.URI} because object keys may hold characters a URI would have to escape
 * (spaces, unicode, {@code #}, {@code ?}); the path is taken literally and never URL-decoded.
 *
 * <p>The path never starts with {@code /}; an empty path is the root of the authority.
 * A trailing {@code /} is kept (it names a "directory" prefix). Segments {@code .} and
 * {@code ..} and empty segments are rejected, so a location can never climb out of the
 * prefix it was resolved under on a hierarchical store.
 *
 * <p>{@link #toString()} hides any password in the authority ({@code user:secret@host}), and the
 * values of an http(s) URL's query (a signed URL's signature);
 * use {@link #uri()} only to hand the location to a client library.
 */
public record Location(String scheme, String authority, String path) {

    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

    public Location {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(path, "path");
        if (!SCHEME.matcher(scheme).matches()) {
            throw new IllegalArgumentException("invalid scheme '" + scheme + "': expected lower-case letters, digits, '+', '-' or '.'");
        }
        if (authority.indexOf('/') >= 0) {
            throw new IllegalArgumentException("authority must not contain '/': " + redact(authority));
        }
        if (path.startsWith("/")) {
            throw new IllegalArgumentException("path must not start with '/': " + path);
        }
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("path must not contain NUL characters");
        }
        if (!path.isEmpty()) {
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            for (String segment : trimmed.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException(
                            "path '" + path + "' has an empty, '.' or '..' segment; name the object directly");
                }
            }
        }
    }

    /**
     * Parses {@code scheme://authority/path}. {@code file:/p} is accepted for {@code file:///p}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong
     */
    public static Location of(String text) {
        Objects.requireNonNull(text, "location");
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("location '" + text + "' has no scheme: write it as scheme://authority/path, e.g. file:///data or s3://bucket/prefix");
        }
        String scheme = text.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        String rest = text.substring(colon + 1);
        if (!rest.startsWith("//")) {
            if (scheme.equals("file") && rest.startsWith("/")) {
                return new Location(scheme, "", rest.replaceFirst("^/+", ""));
            }
            throw new IllegalArgumentException("location '" + redact(text) + "' must have '//' after the scheme: " + scheme + "://authority/path");
        }
        rest = rest.substring(2);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        return new Location(scheme, authority, path);
    }

    /** The location of {@code relative} under this one; {@code relative} may hold {@code /}. */
    public Location resolve(String relative) {
        if (relative.isEmpty()) {
            return this;
        }
        if (relative.startsWith("/")) {
            throw new IllegalArgumentException("relative path must not start with '/': " + relative);
        }
        String base = path.isEmpty() || path.endsWith("/") ? path : path + "/";
        return new Location(scheme, authority, base + relative);
    }

    /**
     * The last segment of the path, or the empty string at the root; of an http(s) URL, without
     * its query and fragment, as a browser names a download.
     */
    public String fileName() {
        String name = scheme.equals("http") || scheme.equals("https") ? path.replaceFirst("[?#].*$", "") : path;
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    /** The enclosing "directory", or this location when it is already the root. */
    public Location parent() {
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        int slash = trimmed.lastIndexOf('/');
        return new Location(scheme, authority, slash < 0 ? "" : trimmed.substring(0, slash));
    }

    /** This location as a "directory" prefix: the path with one trailing slash (empty at the root). */
    public Location asDirectory() {
        return path.isEmpty() || path.endsWith("/") ? this : new Location(scheme, authority, path + "/");
    }

    /** Whether {@code other} lies strictly below this location taken as a directory. */
    public boolean contains(Location other) {
        return scheme.equals(other.scheme) && authority.equals(other.authority)
                && other.path.startsWith(asDirectory().path) && !other.path.equals(asDirectory().path);
    }

    /** The full text, secrets included: only for handing to a client library. */
    public String uri() {
        return scheme + "://" + authority + "/" + path;
    }

    @Override
    public String toString() {
        // Elsewhere a '?' is part of the key, so only an http(s) URL is redacted whole.
        return scheme.equals("http") || scheme.equals("https") ? redact(scheme + "://" + authority + "/" + path)
                : scheme + "://" + redact(authority) + "/" + path;
    }

    /** An http(s) URL's query, up to a fragment or whitespace: the query of a signed URL is its credential. */
    private static final Pattern HTTP_QUERY = Pattern.compile("(?i)(\\bhttps?://[^\\s?#]*\\?)([^\\s#]*)");

    /**
     * Replaces the password of a {@code user:password@host} authority, or of a whole URI, with
     * {@code ***}, and so every value in the query of an http(s) URL (a signed URL's signature,
     * an access token): {@code ?X-Amz-Signature=***&download=***}.
     */
    public static String redact(String text) {
        String withoutPasswords = text.replaceAll("(?<=[/:]|^)([^/:@\\s]+):[^/@\\s]+@", "$1:***@");
        Matcher query = HTTP_QUERY.matcher(withoutPasswords);
        StringBuilder out = new StringBuilder();
        while (query.find()) {
            query.appendReplacement(out, Matcher.quoteReplacement(query.group(1) + query.group(2).replaceAll("=[^&]*", "=***")));
        }
        return query.appendTail(out).toString();
    }
}
