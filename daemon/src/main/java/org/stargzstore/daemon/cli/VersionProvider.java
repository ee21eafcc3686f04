package org.stargzstore.daemon.cli;

import org.stargzstore.daemon.BuildVersion;
import picocli.CommandLine;

/** Reports the project version recorded at build time ({@link BuildVersion}). */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"stargz-registry-storage " + BuildVersion.get()};
  }
}
