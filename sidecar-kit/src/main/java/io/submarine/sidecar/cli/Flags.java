package io.submarine.sidecar.cli;

import java.lang.reflect.AnnotatedElement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives every flag an environment variable, as git-sync does: {@code --git-url} of program
 * {@code localizer} is also {@code LOCALIZER_GIT_URL} (or what {@link Env} names). A flag on the
 * command line wins over the variable; {@code --help} lists both. Durations are read by
 * {@link Durations}.
 */
public final class Flags {
    private Flags() {}

    /** The variable for {@code option} of a program whose variables start with {@code prefix}. */
    public static String envName(String prefix, OptionSpec option) {
        if (option.userObject() instanceof AnnotatedElement element && element.isAnnotationPresent(Env.class)) {
            return element.getAnnotation(Env.class).value();
        }
        String flag = option.longestName().replaceFirst("^-+", "");
        return prefix + "_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Wires variables from {@code environment} as defaults, and names them in the help of every option. */
    public static CommandLine configure(CommandLine commandLine, String prefix, Map<String, String> environment) {
        CommandSpec spec = commandLine.getCommandSpec();
        List<OptionSpec> options = new ArrayList<>(spec.options());
        for (OptionSpec option : options) {
            if (option.usageHelp() || option.versionHelp()) {
                continue;
            }
            String env = envName(prefix, option);
            List<String> description = new ArrayList<>(List.of(option.description()));
            description.add("Env: " + env);
            spec.remove(option);
            spec.addOption(option.toBuilder().description(description.toArray(String[]::new)).build());
        }
        commandLine.registerConverter(Duration.class, Durations::parse);
        commandLine.setDefaultValueProvider(new CommandLine.IDefaultValueProvider() {
            @Override
            public String defaultValue(ArgSpec argument) {
                if (argument instanceof OptionSpec option && !option.usageHelp() && !option.versionHelp()) {
                    String value = environment.get(envName(prefix, option));
                    if (value != null && !value.isEmpty()) {
                        return value;
                    }
                }
                return argument.defaultValue();
            }
        });
        return commandLine;
    }
}
