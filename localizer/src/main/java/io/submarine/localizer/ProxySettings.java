package io.submarine.localizer;

import io.submarine.localizer.spec.SpecException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy a pod names in its environment ({@code HTTPS_PROXY}, {@code HTTP_PROXY},
 * {@code NO_PROXY}, as git and curl read them), given to the JVM's proxy properties, which JGit,
 * the http store and the metastore client follow (so NO_PROXY should name the metastore's host, as
 * it would for curl); the JVM reads no such variables itself. A property set with
 * {@code -D} wins. Loopback is never proxied, and {@code NO_PROXY} adds hosts and domains
 * ({@code .svc} or {@code svc} both mean the domain and its subdomains; address ranges are not
 * expressible here and are left out).
 */
final class ProxySettings {
    private ProxySettings() {}

    /** What the JVM leaves unproxied by default, kept whatever NO_PROXY adds. */
    private static final String LOOPBACK = "localhost|127.*|[::1]";

    static void apply(Map<String, String> environment) {
        set("https", variable(environment, "HTTPS_PROXY"));
        set("http", variable(environment, "HTTP_PROXY"));
        String noProxy = variable(environment, "NO_PROXY");
        if (noProxy != null && System.getProperty("http.nonProxyHosts") == null) {
            // One property for both schemes: the JVM reads http.nonProxyHosts for https too.
            System.setProperty("http.nonProxyHosts", nonProxyHosts(noProxy));
        }
    }

    /** As curl reads them: the lower-case name first, then the upper-case one. */
    private static String variable(Map<String, String> environment, String name) {
        String value = environment.get(name.toLowerCase(Locale.ROOT));
        if (value == null || value.isBlank()) {
            value = environment.get(name);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static void set(String scheme, String proxy) {
        if (proxy == null || System.getProperty(scheme + ".proxyHost") != null) {
            return;
        }
        URI uri;
        try {
            uri = URI.create(proxy.contains("://") ? proxy : "http://" + proxy);
        } catch (IllegalArgumentException e) {
            throw new SpecException(scheme.toUpperCase(Locale.ROOT) + "_PROXY is not a URL such as http://proxy:3128");
        }
        if (uri.getHost() == null || !"http".equalsIgnoreCase(uri.getScheme())) {
            throw new SpecException(scheme.toUpperCase(Locale.ROOT) + "_PROXY must be an http:// proxy such as http://proxy:3128");
        }
        if (uri.getUserInfo() != null) {
            throw new SpecException(scheme.toUpperCase(Locale.ROOT) + "_PROXY names a user: a proxy that wants credentials is not supported");
        }
        System.setProperty(scheme + ".proxyHost", uri.getHost());
        System.setProperty(scheme + ".proxyPort", Integer.toString(uri.getPort() == -1 ? 80 : uri.getPort()));
    }

    static String nonProxyHosts(String noProxy) {
        List<String> hosts = new ArrayList<>(List.of(LOOPBACK));
        for (String entry : noProxy.split(",")) {
            String host = entry.trim().toLowerCase(Locale.ROOT).replaceFirst(":\\d+$", "");
            if (host.isEmpty() || host.contains("/")) {
                continue; // an address range: the JVM's list takes names and wildcards only
            }
            if (host.equals("*")) {
                hosts.add("*");
            } else if (host.startsWith("*.") || host.startsWith(".")) {
                String domain = host.substring(host.indexOf('.') + 1);
                hosts.add(domain);
                hosts.add("*." + domain);
            } else {
                hosts.add(host);
                hosts.add("*." + host);
            }
        }
        return String.join("|", hosts);
    }
}
