package org.stargzstore.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that needs more than a JDK or takes long: it starts a process (the
 * registry, podman, the daemon, a command-line tool such as {@code tar} or {@code refgen}),
 * mounts FUSE, talks to a real server, or runs for more than about two seconds. Such classes
 * carry the JUnit tag {@value #TAG}: {@code mvn test} leaves them out, so it gives feedback in
 * under a minute, and {@code mvn verify} runs them (failsafe) after the unit tests. A class
 * without it is a unit test. See docs/testing.md.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag("integration")
public @interface IntegrationTest {
  /** The JUnit tag the build selects on (surefire's excludedGroups, failsafe's groups). */
  String TAG = "integration";
}
