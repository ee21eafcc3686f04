package org.stargzstore.fs.fuse.kernel.handover;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code [fuse] descriptor_keeper}: where the kernel backend keeps its /dev/fuse descriptor. */
public enum DescriptorKeeperMode {
  /** systemd if it started the daemon, else the holder if its socket exists, else none. */
  AUTO,
  /** systemd's file descriptor store (the unit's {@code FileDescriptorStoreMax=}). */
  SYSTEMD,
  /** the {@code fuse-holder} process listening on {@code [fuse] holder_socket}. */
  HOLDER,
  /** nowhere: the mount ends with the daemon. */
  NONE;

  /** The name in the configuration. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a configuration value; an unknown one is an error that lists the known. */
  public static DescriptorKeeperMode parse(String name) {
    for (DescriptorKeeperMode m : values()) {
      if (m.configName().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown descriptor keeper '" + name + "' (known: "
        + Arrays.stream(values()).map(DescriptorKeeperMode::configName)
            .collect(Collectors.joining(", ")) + ")");
  }
}
