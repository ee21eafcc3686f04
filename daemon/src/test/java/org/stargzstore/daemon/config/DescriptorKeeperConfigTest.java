package org.stargzstore.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fuse.kernel.handover.DescriptorKeeperMode;
import org.stargzstore.fs.fuse.kernel.handover.DescriptorKeepers;

/** {@code [fuse] descriptor_keeper} and {@code holder_socket}. */
class DescriptorKeeperConfigTest {
  @TempDir Path tmp;

  @Test
  void defaultsToAutoAndTheHolderSocketUnderRun() {
    DaemonConfig c = DaemonConfig.defaults();
    assertEquals(DescriptorKeeperMode.AUTO, c.descriptorKeeper());
    assertEquals(Path.of("/run/stargz-registry-storage/fuse-holder.sock"), c.holderSocket());
    assertEquals(DescriptorKeepers.DEFAULT_HOLDER_SOCKET, c.holderSocket());
  }

  @Test
  void readsTheKeeperAndTheSocket() throws IOException {
    DaemonConfig c = DaemonConfig.load(write("[fuse]\nbackend = \"kernel\"\n"
        + "descriptor_keeper = \"holder\"\nholder_socket = \"/run/x/h.sock\"\n"), true);
    assertEquals(DescriptorKeeperMode.HOLDER, c.descriptorKeeper());
    assertEquals(Path.of("/run/x/h.sock"), c.holderSocket());
    assertEquals(Path.of("/run/x/h.sock"), c.withRoot(tmp).holderSocket());
  }

  @Test
  void anUnknownKeeperNamesTheKnownOnes() {
    Path f = write("[fuse]\ndescriptor_keeper = \"systemctl\"\n");
    IOException e = assertThrows(IOException.class, () -> DaemonConfig.load(f, true));
    assertTrue(e.getMessage().contains("[fuse] descriptor_keeper: unknown descriptor keeper "
        + "'systemctl' (known: auto, systemd, holder, none)"), e.getMessage());
  }

  private Path write(String toml) {
    try {
      return Files.writeString(tmp.resolve("config.toml"), toml);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
