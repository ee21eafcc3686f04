package org.stargzstore.daemon.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Whether systemd starts the unit again after the stop now under way, as seen from its
 * {@code ExecStopPost=}: a kept FUSE connection must then stay mounted for the next daemon,
 * while after a plain {@code systemctl stop} systemd closes the descriptor store and the mount
 * would be left stale. systemd tells {@code ExecStopPost=} how the service ended
 * ({@code $SERVICE_RESULT}) but not why it stops, so a queued restart job is asked for.
 */
public final class UnitRestart {
  private UnitRestart() {}

  /** Asks {@code systemctl list-jobs} about {@code unit}, with this process's environment. */
  public static boolean expected(String unit) {
    return expected(System.getenv(), jobType(unit));
  }

  /**
   * True if a restart follows: a {@code restart} job runs for the unit ({@code systemctl restart},
   * an upgrade), or the service failed ({@code $SERVICE_RESULT} other than {@code success}: a
   * crash or kill -9, which the unit's {@code Restart=on-failure} restarts).
   */
  static boolean expected(Map<String, String> env, Optional<String> jobType) {
    String result = env.getOrDefault("SERVICE_RESULT", "");
    return jobType.filter("restart"::equals).isPresent()
        || !result.isEmpty() && !result.equals("success");
  }

  /** The type of the job systemd runs for {@code unit} (restart, stop, ...), if any. */
  static Optional<String> jobType(String unit) {
    try {
      Process p = new ProcessBuilder("systemctl", "list-jobs", "--no-legend", "--plain", unit)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return Optional.empty();
      }
      return jobTypeIn(out, unit);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** From {@code list-jobs} lines ({@code ID UNIT TYPE STATE}): the type of {@code unit}'s job. */
  static Optional<String> jobTypeIn(String listJobs, String unit) {
    String name = unit.contains(".") ? unit : unit + ".service";
    for (String line : listJobs.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[1].equals(name)) {
        return Optional.of(f[2]);
      }
    }
    return Optional.empty();
  }
}
