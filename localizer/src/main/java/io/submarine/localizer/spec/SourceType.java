package io.submarine.localizer.spec;

import java.util.Locale;

/** What a source is, which decides how it is fetched and where it lands by default. */
public enum SourceType {
    GIT, ARCHIVE, MODEL, FILE;

    public static SourceType parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SpecException("unknown source type '" + text + "': use git, archive, model or file");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
