package io.submarine.metastore.api;

import io.vertx.ext.web.Router;

/** What one concern serves: its routes, attached to the service's router. */
public interface Routes {
    void attach(Router router);
}
