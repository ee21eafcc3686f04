package org.stargzstore.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UnitRestartTest {
  private static final String JOBS = "1234 stargz-registry-storage.service restart running\n"
      + "1240 crio.service start waiting\n";

  @Test
  void aRestartJobOrAFailureThatRestartOnFailureRestartsKeepTheMount() {
    assertTrue(UnitRestart.expected(Map.of("SERVICE_RESULT", "success"), Optional.of("restart")));
    assertTrue(UnitRestart.expected(Map.of("SERVICE_RESULT", "signal"), Optional.empty()),
        "kill -9: Restart=on-failure starts it again");
    assertTrue(UnitRestart.expected(Map.of("SERVICE_RESULT", "exit-code"), Optional.empty()));
  }

  @Test
  void aStopForGoodDoesNot() {
    assertFalse(UnitRestart.expected(Map.of("SERVICE_RESULT", "success"), Optional.of("stop")));
    assertFalse(UnitRestart.expected(Map.of("SERVICE_RESULT", "success"), Optional.empty()));
    assertFalse(UnitRestart.expected(Map.of(), Optional.empty()), "not run by systemd");
  }

  @Test
  void readsTheUnitsJobTypeFromListJobs() {
    assertEquals(Optional.of("restart"),
        UnitRestart.jobTypeIn(JOBS, "stargz-registry-storage.service"));
    assertEquals(Optional.of("restart"), UnitRestart.jobTypeIn(JOBS, "stargz-registry-storage"));
    assertEquals(Optional.empty(), UnitRestart.jobTypeIn(JOBS, "podman.service"));
    assertEquals(Optional.empty(), UnitRestart.jobTypeIn("", "stargz-registry-storage.service"));
  }
}
