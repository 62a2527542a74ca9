package dev.hindsight.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --url} and {@code --token} options shared by the client commands. */
final class ServerUrl {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--url",
            defaultValue = "${HINDSIGHT_URL:-http://localhost:8080}",
            description = "Server base URL (default: $HINDSIGHT_URL or ${DEFAULT-VALUE}).")
    String url = "http://localhost:8080";

    @Mixin
    ClientAccess access = new ClientAccess();

    /** A client for the server, after checking the URL. */
    HttpApi api() {
        try {
            URI uri = new URI(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(url, "expected http://host:port");
            }
        } catch (URISyntaxException e) {
            throw new ParameterException(spec.commandLine(), "Invalid --url '" + url + "': expected http://host:port");
        }
        return new HttpApi(url, access.token(), access.ssl());
    }
}
