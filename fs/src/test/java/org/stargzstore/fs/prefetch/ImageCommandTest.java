package org.stargzstore.fs.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command line, environment and working directory a config gives a container. */
class ImageCommandTest {
  private final MergedView<String> view = new MergedView<>(List.of("l"), List.of(
      MergedViewTest.index(MergedViewTest.dir("usr"), MergedViewTest.dir("usr/bin"),
          MergedViewTest.file("usr/bin/python3.11"),
          MergedViewTest.link("usr/bin/python3", "python3.11"), MergedViewTest.dir("app"),
          MergedViewTest.file("app/run.py"))));

  @Test
  void entrypointThenCmdWithEnvAndWorkingDirectory() {
    ImageCommand c = ImageCommand.of(("{\"config\":{\"Entrypoint\":[\"python3\",\"-u\"],"
        + "\"Cmd\":[\"run.py\"],\"Env\":[\"PATH=/usr/bin\",\"PYTHONPATH=/app/lib\",\"BAD\"],"
        + "\"WorkingDir\":\"/app\"}}").getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("python3", "-u", "run.py"), c.argv());
    assertEquals("/app/lib", c.env().get("PYTHONPATH"));
    assertEquals("/app", c.workingDir());
    assertEquals(Optional.of("/usr/bin/python3"), c.locatedPath("python3", view),
        "the path it is started by, not the link's target");
    assertEquals("/usr/bin/python3.11", c.locate("python3", view).orElseThrow().path());
    assertEquals(Optional.of("/app/run.py"), c.locatedPath("./run.py", view));
  }

  @Test
  void anUnreadableOrEmptyConfigRunsNothing() {
    ImageCommand c = ImageCommand.of("not json".getBytes(StandardCharsets.UTF_8));
    assertEquals(Optional.empty(), c.program());
    assertEquals("/", c.workingDir());
    assertEquals("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", c.path());
    assertEquals(Optional.of("/usr/bin/python3"), c.locatedPath("python3", view),
        "found through the runtimes' default PATH");
  }
}
