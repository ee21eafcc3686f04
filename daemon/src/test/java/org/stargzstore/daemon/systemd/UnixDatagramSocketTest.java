package org.stargzstore.daemon.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The datagram socket that talks to systemd, against a real socket bound in the kernel. */
class UnixDatagramSocketTest {
  @TempDir Path tmp;

  @Test
  void sendsOneDatagramToAPathSocket() throws IOException {
    String address = tmp.resolve("notify.sock").toString();
    try (UnixDatagramSocket listener = UnixDatagramSocket.bind(address);
        UnixDatagramSocket sender = UnixDatagramSocket.open()) {
      assertEquals(Optional.empty(), listener.receive(Duration.ofMillis(50)));
      sender.send(address, "READY=1\nSTATUS=serving");
      sender.send(address, "STOPPING=1");
      assertEquals(Optional.of("READY=1\nSTATUS=serving"), listener.receive(Duration.ofSeconds(5)));
      assertEquals(Optional.of("STOPPING=1"), listener.receive(Duration.ofSeconds(5)));
    }
  }

  @Test
  void sendsToAnAbstractSocket() throws IOException {
    String address = "@srs-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (UnixDatagramSocket listener = UnixDatagramSocket.bind(address);
        UnixDatagramSocket sender = UnixDatagramSocket.open()) {
      sender.send(address, "READY=1");
      assertEquals(Optional.of("READY=1"), listener.receive(Duration.ofSeconds(5)));
    }
  }

  @Test
  void sendingToNobodySaysWhereAndWhy() throws IOException {
    String address = tmp.resolve("nobody.sock").toString();
    try (UnixDatagramSocket sender = UnixDatagramSocket.open()) {
      IOException e = assertThrows(IOException.class, () -> sender.send(address, "READY=1"));
      assertTrue(e.getMessage().contains(address) && e.getMessage().contains("errno"),
          e.getMessage());
    }
  }

  @Test
  void refusesAnAddressLongerThanTheKernelTakes() {
    assertThrows(IllegalArgumentException.class,
        () -> UnixDatagramSocket.sockaddr("/" + "x".repeat(107)));
    assertEquals(2 + 107 + 1, UnixDatagramSocket.sockaddr("/" + "x".repeat(106)).length);
  }
}
