package org.stargzstore.daemon.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.stargzstore.daemon.image.ImageInspector;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.ResolvedImage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code image inspect REF}: resolves an image as the store would (manifest for this node's
 * platform, config) and says for each layer whether it can be served lazily, in which format,
 * as JSON. Exit 0 whether or not the image is lazily pullable; the JSON says.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"Show an image's manifest, config and, per layer, its format: eStargz,"
        + " zstd:chunked (either flavour) or not lazily pullable.",
        "Each layer's footer and TOC are read (a few KiB per layer) and the TOC verified against"
            + " the layer's annotation, as the store does."})
final class ImageInspectCommand implements Callable<Integer> {
  @CommandLine.ParentCommand
  ImageCommand parent;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  RegistryOptions registry;

  @Option(names = "--annotations-only",
      description = "Judge layers by their annotations only: read no layer bytes.")
  boolean annotationsOnly;

  @Parameters(index = "0", paramLabel = "REF",
      description = "The image, e.g. quay.io/ns/app:1 (docker:// prefix allowed).")
  String reference;

  @Override
  public Integer call() throws Exception {
    ImageReference ref = ImageRefs.parse(reference);
    Platform platform = registry.platform();
    try (RegistryClient client = registry.client(parent.parent.loadConfig(), List.of(ref))) {
      ResolvedImage image = platform == null ? client.resolve(ref) : client.resolve(ref, platform);
      PrintWriter out = spec.commandLine().getOut();
      out.print(ImageInspector.text(new ImageInspector(client, !annotationsOnly).inspect(image)));
      out.flush();
    }
    return 0;
  }
}
