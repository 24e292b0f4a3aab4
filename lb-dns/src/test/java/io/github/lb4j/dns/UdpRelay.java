package io.github.lb4j.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * A UDP relay on 127.0.0.1 in front of a DNS server that can be switched to answer every query with
 * a malformed message instead, as a broken middlebox would, or not at all.
 */
final class UdpRelay implements AutoCloseable {
  private final DatagramSocket socket;
  private final InetSocketAddress upstream;
  private final Thread thread;
  private volatile boolean malformed;
  private volatile boolean silent;

  UdpRelay(int upstreamPort) throws SocketException {
    socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
    thread = new Thread(this::serve, "udp-relay");
    thread.setDaemon(true);
    thread.start();
  }

  String server() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  void malformed(boolean on) {
    malformed = on;
  }

  /** Drops every query, as a blackholed server would: clients see only their timeout. */
  void silent(boolean on) {
    silent = on;
  }

  private void serve() {
    byte[] buffer = new byte[4096];
    while (!socket.isClosed()) {
      try {
        DatagramPacket query = new DatagramPacket(buffer, buffer.length);
        socket.receive(query);
        if (silent) {
          continue;
        }
        byte[] reply = malformed ? garbage(query) : forward(query);
        if (reply != null) {
          socket.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
        }
      } catch (IOException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  /** The query's id and a response header that promises an answer, then nothing parseable. */
  private static byte[] garbage(DatagramPacket query) {
    byte[] q = query.getData();
    return new byte[] {q[0], q[1], (byte) 0x81, (byte) 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 7, 'b', 'r'};
  }

  private byte[] forward(DatagramPacket query) throws IOException {
    try (DatagramSocket out = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      out.setSoTimeout(2000);
      out.send(
          new DatagramPacket(
              Arrays.copyOf(query.getData(), query.getLength()), query.getLength(), upstream));
      DatagramPacket response = new DatagramPacket(new byte[4096], 4096);
      try {
        out.receive(response);
      } catch (SocketTimeoutException e) {
        return null;
      }
      return Arrays.copyOf(response.getData(), response.getLength());
    }
  }

  @Override
  public void close() {
    socket.close();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
