package org.stargzstore.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pushes test images with producers this project did not write: {@code tools/push-image.py}
 * (GNU gzip, or eStargz / zstd:chunked made by the reference Go implementation through
 * {@code refgen}) and podman itself ({@code podman push --compression-format zstd:chunked}).
 */
public final class ImagePusher {
  private ImagePusher() {}

  /**
   * {@code tools/push-image.py REGISTRY REPO:TAG FORMAT LAYERS... EXTRA...}: FORMAT is gzip,
   * estargz or zstd-stargz; EXTRA options such as {@code --chunk N}, {@code --prio a,b} or
   * {@code --cmd JSON}. Returns its output: a JSON line per layer, then one with the manifest.
   */
  public static String pushimg(RegistryServer registry, String repoTag, String format,
      List<Path> layers, String... extra) throws IOException {
    if (!format.equals("gzip")) {
      ExternalTools.refgen(); // built (or rebuilt) here, where a failure says why
    }
    List<String> cmd = new ArrayList<>(List.of("python3",
        Shared.tool("push-image.py").toString(), registry.hostPort(), repoTag, format));
    layers.forEach(l -> cmd.add(l.toString()));
    cmd.addAll(List.of(extra));
    return ExternalTools.run(cmd, 600).requireSuccess().output();
  }

  /**
   * Imports {@code layers} as a podman image (one layer per tar, via a build of ADD steps is not
   * available here, so they are flattened into one) and pushes it as zstd:chunked.
   */
  public static String podmanZstdChunked(RegistryServer registry, String repoTag, Path rootfsTar)
      throws IOException {
    return podmanZstdChunked(registry, repoTag, rootfsTar, List.of());
  }

  /**
   * As {@link #podmanZstdChunked(RegistryServer, String, Path)}, with {@code podman import
   * --change} instructions for the image's config (e.g. {@code CMD ["/bin/app"]}).
   */
  public static String podmanZstdChunked(RegistryServer registry, String repoTag, Path rootfsTar,
      List<String> changes) throws IOException {
    try (PodmanSandbox p = PodmanSandbox.create(null, List.of(registry.hostPort()))) {
      String local = "localhost/srs-src:" + Long.toHexString(System.nanoTime());
      List<String> args = new java.util.ArrayList<>(List.of("import", "-q"));
      for (String c : changes) {
        args.add("--change");
        args.add(c);
      }
      args.add(rootfsTar.toString());
      args.add(local);
      p.podman(300, args.toArray(String[]::new)).requireSuccess();
      return p.podman(600, "push", "-q", "--tls-verify=false", "--compression-format",
          "zstd:chunked", local, "docker://" + registry.hostPort() + "/" + repoTag)
          .requireSuccess().output();
    }
  }
}
