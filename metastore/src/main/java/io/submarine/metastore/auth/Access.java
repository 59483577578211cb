package io.submarine.metastore.auth;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.auth.Tokens.Role;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may do what: a request's bearer token gives it a role ({@link #authenticate}); a route lets
 * only some roles through ({@link #only}). Without a token file every request is admin.
 */
public final class Access {

    private static final String ROLE = "role";

    private final Optional<Tokens> tokens;

    public Access(Optional<Tokens> tokens) {
        this.tokens = tokens;
    }

    /** Sets the request's role from its {@code Authorization: Bearer} token; 401 without a known one. */
    public void authenticate(RoutingContext ctx) {
        if (tokens.isEmpty()) {
            ctx.put(ROLE, Role.ADMIN);
            ctx.next();
            return;
        }
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            ctx.fail(new ApiException(401, "UNAUTHENTICATED", "send 'Authorization: Bearer <token>'"));
            return;
        }
        Optional<Role> role = tokens.get().roleOf(header.substring("Bearer ".length()).strip());
        if (role.isEmpty()) {
            ctx.fail(new ApiException(401, "UNAUTHENTICATED", "unknown token"));
            return;
        }
        ctx.put(ROLE, role.get());
        ctx.next();
    }

    /** A handler that lets the {@code allowed} roles on and refuses the others with 403 PERMISSION_DENIED. */
    public static Handler<RoutingContext> only(Role first, Role... rest) {
        Set<Role> allowed = EnumSet.of(first, rest);
        return ctx -> {
            Role role = ctx.get(ROLE);
            if (!allowed.contains(role)) {
                ctx.fail(new ApiException(403, "PERMISSION_DENIED", "the " + role.name().toLowerCase(Locale.ROOT) + " role may not do this"));
                return;
            }
            ctx.next();
        };
    }
}
