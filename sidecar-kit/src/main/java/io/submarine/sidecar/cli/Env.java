package io.submarine.sidecar.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the environment variable of a flag shared by every program ({@code SUBMARINE_STORAGE_URI},
 * {@code POD_NAME}); flags without it get {@code <PROGRAM>_<FLAG>}, e.g. {@code LOCALIZER_GIT_URL}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface Env {
    String value();
}
