package org.stargzstore.registry;

/** What pushing a blob took. */
public enum PushResult {
  /** The repository already had it: nothing sent. */
  EXISTS,
  /** Mounted from another repository of the same registry: nothing sent. */
  MOUNTED,
  /** Uploaded. */
  UPLOADED
}
