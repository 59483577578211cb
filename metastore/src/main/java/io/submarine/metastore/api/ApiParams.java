package io.submarine.metastore.api;

import io.vertx.ext.web.RoutingContext;

/** Query parameters, or a 400 that says which one is wrong and what it must be. */
public final class ApiParams {
    private ApiParams() {}

    public static String required(RoutingContext ctx, String name) {
        String value = ctx.request().getParam(name);
        if (value == null || value.isEmpty()) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "query parameter '" + name + "' is missing");
        }
        return value;
    }

    /** A whole number from 0 to {@code max}; {@code defaultValue} when absent. */
    public static long number(RoutingContext ctx, String name, long defaultValue, long max) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text);
            if (value < 0 || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", name + " must be a whole number from 0 to " + max);
        }
    }
}
