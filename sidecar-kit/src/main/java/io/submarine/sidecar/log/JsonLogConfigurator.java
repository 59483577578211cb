package io.submarine.sidecar.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;
import java.util.Optional;

/**
 * Every program's logging: {@link JsonLayout} lines on stderr (stdout stays free for a program's
 * own output), at the level {@code SUBMARINE_LOG_LEVEL} names (INFO by default), with the chattiest
 * libraries at WARN. Configured in code rather than by {@code logback.xml}: parsing that file took
 * about 60 ms of every program's start, which an init container adds to each pod's start and a sidecar
 * to its first line shipped. A file named with {@code -Dlogback.configurationFile} still wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class JsonLogConfigurator extends ContextAwareBase implements Configurator {

    static final String LEVEL_VARIABLE = "SUBMARINE_LOG_LEVEL";

    private static final Map<String, Level> QUIETER = Map.of(
            "org.apache.hadoop", Level.WARN,
            "com.azure", Level.WARN,
            "software.amazon.awssdk", Level.WARN,
            "io.netty", Level.WARN,
            "reactor", Level.WARN,
            // The MariaDB driver warns of every refused duplicate key: for the metastore that is a retried report, answered as such.
            "org.mariadb.jdbc.message.server.ErrorPacket", Level.ERROR);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        JsonLayout layout = new JsonLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel());
        root.addAppender(stderr);
        QUIETER.forEach((name, level) -> context.getLogger(name).setLevel(level));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** As a system property or an environment variable; a name logback does not know is INFO. */
    private static Level rootLevel() {
        String name = Optional.ofNullable(System.getProperty(LEVEL_VARIABLE)).orElse(System.getenv(LEVEL_VARIABLE));
        return Level.toLevel(name, Level.INFO);
    }
}
