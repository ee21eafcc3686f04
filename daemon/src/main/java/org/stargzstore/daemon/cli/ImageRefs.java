package org.stargzstore.daemon.cli;

import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.InvalidReferenceException;

/** Image references on the command line: {@code docker://REF} or a bare reference. */
final class ImageRefs {
  static final String TRANSPORT = "docker://";

  private ImageRefs() {}

  static boolean isImage(String arg) {
    return arg.startsWith(TRANSPORT);
  }

  /** Parses {@code [docker://]REF}; a bad reference is a user error naming it. */
  static ImageReference parse(String arg) {
    String s = isImage(arg) ? arg.substring(TRANSPORT.length()) : arg;
    try {
      return ImageReference.parse(s);
    } catch (InvalidReferenceException e) {
      throw new UserException(e.getMessage());
    }
  }
}
