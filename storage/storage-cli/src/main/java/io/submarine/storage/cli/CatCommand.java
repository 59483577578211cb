package io.submarine.storage.cli;

import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Writes an object, or a byte range of it, to stdout. */
@Command(name = "cat", mixinStandardHelpOptions = true, description = "Print an object, or a byte range of it, to stdout.")
final class CatCommand implements Callable<Integer> {

    @Mixin
    StorageOptions options;

    @Option(names = "--offset", defaultValue = "0", description = "First byte to print.")
    long offset;

    @Option(names = "--length", description = "How many bytes to print (default: to the end).")
    Long length;

    @Parameters(index = "0", paramLabel = "OBJECT")
    String object;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (offset < 0 || (length != null && length < 0)) {
            throw new ParameterException(spec.commandLine(), "--offset and --length must not be negative");
        }
        Location location = StorageOptions.location(object);
        try (BlobStores stores = options.stores();
                InputStream in = offset == 0 && length == null ? stores.open(location)
                        : stores.open(location, offset, length == null ? Long.MAX_VALUE : length)) {
            in.transferTo(System.out);
        }
        System.out.flush();
        return 0;
    }
}
