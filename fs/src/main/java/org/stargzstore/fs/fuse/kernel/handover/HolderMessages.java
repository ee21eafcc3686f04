package org.stargzstore.fs.fuse.kernel.handover;

import java.nio.file.Path;

/**
 * The holder's protocol: one request, one reply, each one seqpacket message of UTF-8 text.
 * {@code KEEP\nMOUNTPOINT} with a descriptor is answered {@code OK}; {@code RECLAIM\nMOUNTPOINT}
 * is answered {@code FD} with a duplicate of the kept descriptor, or {@code NONE}; a request the
 * holder refuses is answered {@code ERROR reason}.
 */
public final class HolderMessages {
  public static final String KEEP = "KEEP";
  public static final String RECLAIM = "RECLAIM";
  public static final String OK = "OK";
  public static final String FD = "FD";
  public static final String NONE = "NONE";
  public static final String ERROR = "ERROR ";

  private HolderMessages() {}

  /** A request: the verb and the absolute, normalized mount point. */
  public static String request(String verb, Path mountPoint) {
    return verb + "\n" + mountPoint.toAbsolutePath().normalize();
  }
}
