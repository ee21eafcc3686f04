package org.stargzstore.registry.manifest;

import java.util.Map;

/** A parsed manifest document: an image manifest or an index of manifests. */
public sealed interface Manifest permits ImageManifest, ImageIndex {
  /** The media type the document declares (or was served as). */
  String mediaType();

  Map<String, String> annotations();
}
