package org.stargzstore.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The project's reference tools, {@code refgen} (reference eStargz / zstd:chunked producer and
 * verifier) and {@code peer-stargz-store}, built from {@code tools/NAME/main.go} into
 * {@code tools/bin/} on first use (or by {@code scripts/setup-debian.sh}); and a way to run any
 * command with its output captured.
 */
public final class ExternalTools {
  private ExternalTools() {}

  /** Path to {@code tools/bin/refgen}, built first if missing or older than its source. */
  public static synchronized Path refgen() {
    return goTool("refgen");
  }

  private static Path goTool(String name) {
    Path source = Shared.tool(name + "/main.go");
    Path binary = Shared.tool("bin/" + name);
    try {
      if (Files.isExecutable(binary)
          && !Files.getLastModifiedTime(binary).toInstant()
              .isBefore(Files.getLastModifiedTime(source).toInstant())) {
        return binary;
      }
      Result r = run(List.of("bash", Shared.tool("build-go.sh").toString(), name,
          binary.toString()), 900);
      if (r.exitCode() != 0 || !Files.isExecutable(binary)) {
        throw new IllegalStateException("building " + binary + " from " + source + " failed: "
            + r.output());
      }
      return binary;
    } catch (IOException e) {
      throw new IllegalStateException("building " + binary + " from " + source + " failed", e);
    }
  }

  /** The executable {@code name} on PATH, or null. */
  public static Path which(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Runs a command, merging stderr into stdout, and waits at most {@code timeoutSeconds}. */
  public static Result run(List<String> command, long timeoutSeconds) throws IOException {
    return run(new ProcessBuilder(new ArrayList<>(command)), timeoutSeconds);
  }

  /**
   * Runs a prepared command (its environment and directory as the caller set them), merging
   * stderr into stdout, with no input, and waits at most {@code timeoutSeconds}.
   */
  public static Result run(ProcessBuilder command, long timeoutSeconds) throws IOException {
    Process p = command.redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out;
    try {
      out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out after " + timeoutSeconds + " s: " + command.command());
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + command.command(), e);
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /** Exit code and combined output of a finished command. */
  public record Result(int exitCode, String output) {
    public Result requireSuccess() {
      if (exitCode != 0) {
        throw new IllegalStateException("command failed with exit code " + exitCode + ":\n" + output);
      }
      return this;
    }
  }
}
