package org.stargzstore.fs.fuse.kernel.handover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.OtherUser;

/** The holder served in this JVM, its clients over its real socket. */
@IntegrationTest
class DescriptorHolderTest {
  private final SocketCalls calls = SocketCalls.get();
  @TempDir Path tmp;
  private Path socket;
  private DescriptorHolder holder;

  @BeforeEach
  void startHolder() throws IOException {
    socket = tmp.resolve("holder.sock");
    holder = new DescriptorHolder(calls, socket, Duration.ofMinutes(5));
    holder.listen();
    Thread t = new Thread(() -> {
      try {
        holder.serve();
      } catch (IOException e) {
        // closed
      }
    });
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stopHolder() {
    holder.close();
  }

  @Test
  void keepsAndHandsBackTheSameOpenFileAndNothingForAnotherMountPoint() throws IOException {
    int[] pipe = Pipes.open(calls);
    try (HolderDescriptorKeeper daemon = new HolderDescriptorKeeper(calls, socket);
        HolderDescriptorKeeper next = new HolderDescriptorKeeper(calls, socket)) {
      daemon.keep(Path.of("/mnt/a"), pipe[1]);
      assertEquals(OptionalInt.empty(), next.reclaim(Path.of("/mnt/b")));
      int fd = next.reclaim(Path.of("/mnt/./a")).orElseThrow();
      Pipes.write(calls, fd, "via the holder");
      assertEquals("via the holder", Pipes.read(calls, pipe[0], 100));
      calls.close(fd);
      int again = next.reclaim(Path.of("/mnt/a")).orElseThrow();
      calls.close(again);
    } finally {
      calls.close(pipe[0]);
      calls.close(pipe[1]);
    }
  }

  @Test
  void aClientNotStartedByTheHolderSeesAClearErrorWhenNoHolderListens() {
    HolderDescriptorKeeper k = new HolderDescriptorKeeper(calls, tmp.resolve("none.sock"));
    IOException e = assertThrows(IOException.class, () -> k.reclaim(Path.of("/mnt/a")));
    assertTrue(e.getMessage().contains("none.sock"), e.getMessage());
  }

  @Test
  void refusesAPeerOfAnotherUid() throws IOException {
    // open the socket to everyone, so that only the holder's SO_PEERCRED check keeps nobody out
    OtherUser.openToEveryone(tmp);
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    String client = String.join("\n",
        "import socket, sys",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
        "s.connect(sys.argv[1])",
        "s.send(b'RECLAIM\\n/mnt/a')",
        "print(s.recv(4096).decode())");
    ExternalTools.Result r = OtherUser.run("/usr/bin/python3", "-c", client, socket.toString());
    assertTrue(r.output().contains("ERROR this holder serves uid " + calls.geteuid()
        + " only, not " + OtherUser.NOBODY), r.output());
  }

  @Test
  void answersAMalformedRequestWithAnError() throws IOException {
    try (SeqPacketSocket s = SeqPacketSocket.connect(calls, socket)) {
      s.send(FdMessage.text("HELLO"));
      assertTrue(s.receive().orElseThrow().text().startsWith("ERROR not a request"));
      s.send(FdMessage.text("DROP\n/mnt/a"));
      assertEquals("ERROR unknown request DROP", s.receive().orElseThrow().text());
    }
  }
}
