package org.stargzstore.fs.fuse.kernel.handover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which keeper each {@code [fuse] descriptor_keeper} value gives, in which environment. */
class DescriptorKeepersTest {
  private static final Map<String, String> UNDER_SYSTEMD = Map.of("NOTIFY_SOCKET", "@x");
  @TempDir Path tmp;

  @Test
  void autoPrefersSystemdThenAListeningHolderThenNone() throws IOException {
    Path missing = tmp.resolve("none.sock");
    Path present = Files.createFile(tmp.resolve("holder.sock"));
    assertInstanceOf(SystemdDescriptorStore.class,
        DescriptorKeepers.fromConfig(DescriptorKeeperMode.AUTO, present, UNDER_SYSTEMD, 1));
    assertInstanceOf(SystemdDescriptorStore.class, DescriptorKeepers.fromConfig(
        DescriptorKeeperMode.AUTO, missing, Map.of("LISTEN_FDS", "1"), 1));
    assertEquals("holder at " + present,
        DescriptorKeepers.fromConfig(DescriptorKeeperMode.AUTO, present, Map.of(), 1).toString());
    assertEquals(NoDescriptorKeeper.INSTANCE,
        DescriptorKeepers.fromConfig(DescriptorKeeperMode.AUTO, missing, Map.of(), 1));
    assertEquals(NoDescriptorKeeper.INSTANCE,
        DescriptorKeepers.fromConfig(DescriptorKeeperMode.NONE, present, UNDER_SYSTEMD, 1));
  }

  @Test
  void anExplicitKeeperThatIsNotThereSaysWhatToDo() {
    IOException systemd = assertThrows(IOException.class, () -> DescriptorKeepers.fromConfig(
        DescriptorKeeperMode.SYSTEMD, tmp.resolve("h.sock"), Map.of(), 1));
    assertTrue(systemd.getMessage().contains("NOTIFY_SOCKET")
        && systemd.getMessage().contains("FileDescriptorStoreMax="), systemd.getMessage());
    IOException holder = assertThrows(IOException.class, () -> DescriptorKeepers.fromConfig(
        DescriptorKeeperMode.HOLDER, tmp.resolve("h.sock"), UNDER_SYSTEMD, 1));
    assertTrue(holder.getMessage().contains("fuse-holder --socket " + tmp.resolve("h.sock")),
        holder.getMessage());
  }
}
