package dev.hindsight.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/** How client commands report a server answer: success body on stdout (exit 0), error JSON on stderr (exit 1). */
final class Output {
    private Output() {}

    static int answer(CommandSpec spec, HttpApi.Response r) {
        if (!r.ok()) {
            return error(spec, r);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(r.body().strip());
        out.flush();
        return 0;
    }

    static int error(CommandSpec spec, HttpApi.Response r) {
        PrintWriter err = spec.commandLine().getErr();
        String body = r.body().strip();
        err.println(
                body.isEmpty()
                        ? "{\"error\":\"http_" + r.status() + "\",\"message\":\"HTTP " + r.status() + "\"}"
                        : body);
        err.flush();
        return 1;
    }
}
