package org.stargzstore.daemon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.fs.profile.LayerProfile;
import org.stargzstore.fs.profile.ProfileJson;
import org.stargzstore.fs.profile.ProfileRegistry;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.fs.remote.ProfileArtifacts;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.ResolvedImage;
import org.stargzstore.registry.manifest.Descriptor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code profile show|push IMAGE}: the access profiles of an image by hand (docs/profiles.md):
 * what its registry holds for it, and publishing this node's recorded profile without turning
 * on {@code [profiles] publish} for every image.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Access profiles (what a start-up opened, per layer; docs/profiles.md).",
    subcommands = {ProfileCommand.Show.class, ProfileCommand.Push.class})
final class ProfileCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.ParentCommand
  Main parent;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command: show, push");
  }

  static ProfileRegistry.Subject subject(ResolvedImage image) throws java.io.IOException {
    String mediaType = JSON.readTree(image.manifestBytes()).path("mediaType")
        .asText("application/vnd.oci.image.manifest.v1+json");
    return new ProfileRegistry.Subject(image.reference().toString(), image.manifestDigest(),
        image.manifestBytes().length, mediaType);
  }

  /** {@code profile show IMAGE}: the profile published beside the image, as JSON. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print the access profile published for IMAGE in its registry (exit 1 if"
          + " none).")
  static final class Show implements Callable<Integer> {
    @CommandLine.ParentCommand
    ProfileCommand parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    RegistryOptions registry;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image, e.g. quay.io/ns/app:1.")
    String reference;

    @Override
    public Integer call() throws Exception {
      ImageReference ref = ImageRefs.parse(reference);
      try (RegistryClient client = registry.client(parent.parent.loadConfig(), List.of(ref))) {
        ResolvedImage image = client.resolve(ref);
        Optional<List<LayerProfile>> p = new ProfileArtifacts(client).fetch(subject(image));
        if (p.isEmpty()) {
          spec.commandLine().getErr().println("no access profile published for " + ref + " ("
              + image.manifestDigest() + ")");
          return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(new String(ProfileJson.write(p.get()), java.nio.charset.StandardCharsets.UTF_8));
        out.flush();
        return 0;
      }
    }
  }

  /** {@code profile push IMAGE}: publishes this node's profiles of the image's layers. */
  @Command(name = "push", mixinStandardHelpOptions = true,
      description = "Publish the access profiles recorded in the store (--root) for IMAGE's"
          + " layers beside IMAGE in its registry, as an OCI artifact referring to it.")
  static final class Push implements Callable<Integer> {
    @CommandLine.ParentCommand
    ProfileCommand parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    RegistryOptions registry;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image, e.g. quay.io/ns/app:1.")
    String reference;

    @Override
    public Integer call() throws Exception {
      ImageReference ref = ImageRefs.parse(reference);
      DaemonConfig cfg = parent.parent.loadConfig();
      ProfileStore store = new ProfileStore(new StoreLayout(cfg.root()), false);
      try (RegistryClient client = registry.client(cfg, List.of(ref))) {
        ResolvedImage image = client.resolve(ref);
        List<LayerProfile> profiles = new ArrayList<>();
        for (Descriptor d : image.layers()) {
          store.load(d.digest()).ifPresent(profiles::add);
        }
        if (profiles.isEmpty()) {
          throw new UserException("no access profile in " + cfg.root() + " for any layer of "
              + ref + ": run the image through the daemon first (profiles are saved after"
              + " [profiles] quiet, or when the daemon stops)");
        }
        new ProfileArtifacts(client).publish(subject(image), profiles);
        spec.commandLine().getOut().println("published the access profile of " + ref + " ("
            + profiles.size() + " layer(s), " + profiles.stream().mapToInt(
                p -> p.files().size()).sum() + " file(s))");
        return 0;
      }
    }
  }
}
