package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one enum of why bytes are fetched: its labels are what {@code status} and the metrics show
 * (dashboards key on them), and its attributes decide how each kind of request is scheduled.
 */
class FetchReasonTest {
  @Test
  void labelsAreTheStatusAndMetricsNames() {
    assertEquals(List.of("demand", "read_ahead", "predicted", "prioritized", "near_reader",
            "small_files", "everything", "blob_file"),
        Arrays.stream(FetchReason.values()).map(FetchReason::label).toList());
  }

  @Test
  void readersWaitForDemandOnlyAndTheBackgroundRunsItsPhasesMostValuableFirst() {
    assertEquals(List.of(FetchReason.DEMAND, FetchReason.BLOB_FILE),
        Arrays.stream(FetchReason.values()).filter(FetchReason::isDemand).toList());
    assertEquals(FetchReason.BACKGROUND_PHASES,
        Arrays.stream(FetchReason.values()).filter(FetchReason::isBackground).toList());
    assertEquals(List.of(FetchReason.PRIORITIZED, FetchReason.NEAR_READER,
        FetchReason.SMALL_FILES, FetchReason.EVERYTHING), FetchReason.BACKGROUND_PHASES);
    assertEquals(List.of(FetchReason.SMALL_FILES, FetchReason.EVERYTHING),
        Arrays.stream(FetchReason.values()).filter(FetchReason::isBulk).toList(),
        "the bulk waits for quiet");
  }
}
