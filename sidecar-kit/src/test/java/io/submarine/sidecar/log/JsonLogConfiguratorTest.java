package io.submarine.sidecar.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class JsonLogConfiguratorTest {

    @AfterEach
    void clearLevel() {
        System.clearProperty(JsonLogConfigurator.LEVEL_VARIABLE);
    }

    @Test
    void logbackFindsItWithoutAnyFile() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

        assertJsonOnStderr(context);
        assertThat(context.getLogger("org.apache.hadoop.hdfs.DFSClient").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.mariadb.jdbc.message.server.ErrorPacket").getEffectiveLevel()).isEqualTo(Level.ERROR);
    }

    @Test
    void levelComesFromTheVariableAndUnknownNamesMeanInfo() {
        System.setProperty(JsonLogConfigurator.LEVEL_VARIABLE, "debug");
        LoggerContext debug = configured();
        System.setProperty(JsonLogConfigurator.LEVEL_VARIABLE, "chatty");
        LoggerContext unknown = configured();

        assertJsonOnStderr(debug);
        assertThat(debug.getLogger("io.submarine.x").getEffectiveLevel()).isEqualTo(Level.DEBUG);
        assertThat(debug.getLogger("software.amazon.awssdk.core").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(unknown.getLogger("io.submarine.x").getEffectiveLevel()).isEqualTo(Level.INFO);
    }

    private static LoggerContext configured() {
        LoggerContext context = new LoggerContext();
        JsonLogConfigurator configurator = new JsonLogConfigurator();
        configurator.setContext(context);
        configurator.configure(context);
        return context;
    }

    private static void assertJsonOnStderr(LoggerContext context) {
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        ConsoleAppender<ILoggingEvent> stderr = (ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR");
        assertThat(stderr).isNotNull();
        assertThat(stderr.isStarted()).isTrue();
        assertThat(stderr.getTarget()).isEqualTo("System.err");
        assertThat(((LayoutWrappingEncoder<ILoggingEvent>) stderr.getEncoder()).getLayout()).isInstanceOf(JsonLayout.class);
    }
}
