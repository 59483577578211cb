package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** NO_PROXY as curl reads it, in the JVM's form; loopback stays unproxied. */
class ProxySettingsTest {

    @Test
    void domainsCoverTheirSubdomainsAndRangesAreLeftOut() {
        assertThat(ProxySettings.nonProxyHosts(" .svc, cluster.local ,*.corp.example,metastore:8080,10.0.0.0/8,,"))
                .isEqualTo("localhost|127.*|[::1]|svc|*.svc|cluster.local|*.cluster.local|corp.example|*.corp.example|metastore|*.metastore");
        assertThat(ProxySettings.nonProxyHosts("*")).isEqualTo("localhost|127.*|[::1]|*");
    }
}
