package io.submarine.sidecar.log;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from text before it is logged, reported or written as a termination message:
 * passwords in URLs ({@code https://user:secret@host}), credential query parameters (SAS
 * signatures, presigned-URL signatures, tokens), {@code Authorization} values, and every secret
 * value the program registered when it read it from a file.
 */
public final class Redactor {

    static final String MASK = "***";

    private static final List<Pattern> PATTERNS = List.of(
            // scheme://user:password@host -> scheme://user:***@host
            Pattern.compile("(?<=://)([^/:@\\s]*):([^/@\\s]+)@"),
            // ?sig=...&X-Amz-Signature=...&token=... -> value masked
            Pattern.compile("(?i)(?<=[?&;](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|token|access_token|password|passwd|secret|key|apikey|api_key|client_secret)=)([^&\\s\"']+)"),
            // Authorization: Bearer abc / "authorization":"Basic abc"
            Pattern.compile("(?i)(?<=(?:authorization|proxy-authorization)[\"']?\\s{0,3}[:=]\\s{0,3}[\"']?(?:bearer|basic|token)\\s)([^\\s\"',]+)"),
            // password=..., secret: ... in free text
            Pattern.compile("(?i)(?<=(?:password|passwd|secret|accountkey|sharedaccesssignature)\\s{0,3}[=:]\\s{0,3})([^\\s;,&\"']+)"));

    private static final int MIN_REGISTERED_LENGTH = 4;

    private final Set<String> secrets = new CopyOnWriteArraySet<>();

    /** The redactor the logging layout uses, so secrets registered anywhere never reach a log. */
    private static final Redactor GLOBAL = new Redactor();

    public static Redactor global() {
        return GLOBAL;
    }

    /** Masks every later occurrence of {@code secret} (a token, key or password read from a file). */
    public void register(String secret) {
        if (secret != null && secret.strip().length() >= MIN_REGISTERED_LENGTH) {
            secrets.add(secret.strip());
        }
    }

    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = text;
        for (String secret : secrets) {
            result = result.replace(secret, MASK);
        }
        for (Pattern pattern : PATTERNS) {
            Matcher matcher = pattern.matcher(result);
            if (matcher.find()) {
                result = pattern == PATTERNS.get(0)
                        ? matcher.replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"))
                        : matcher.replaceAll(MASK);
            }
        }
        return result;
    }
}
