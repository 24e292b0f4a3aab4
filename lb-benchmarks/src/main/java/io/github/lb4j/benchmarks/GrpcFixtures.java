package io.github.lb4j.benchmarks;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancer.CreateSubchannelArgs;
import io.grpc.LoadBalancer.PickDetailsConsumer;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.ResolvedAddresses;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.LoadBalancer.SubchannelStateListener;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * gRPC-java's own load-balancing policies, set up the way a gRPC channel sets them up, for {@link
 * PeerBenchmark}: the policy comes from the {@link LoadBalancerRegistry} by name, its configuration
 * is parsed from the JSON form a service config carries, and the resolved addresses are handed to
 * it in the channel's synchronization context. Only the network is fake: {@link FakeChannel} is the
 * {@link LoadBalancer.Helper}, its subchannels connect at once (CONNECTING, then READY) when the
 * policy asks them to, and it keeps the latest picker the policy publishes, as a channel does.
 *
 * <p>The addresses are those of {@link Fixtures#endpoints(int)}: {@code 10.a.b.c:8080}.
 */
final class GrpcFixtures {
  /** The header that carries the affinity key to {@code ring_hash} ({@code requestHashHeader}). */
  static final String HASH_HEADER = "lb-key";

  static final Metadata.Key<String> HASH_HEADER_KEY =
      Metadata.Key.of(HASH_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  /**
   * Since gRPC 1.74 {@code ring_hash} reads {@code requestHashHeader} only with this flag on (an
   * environment variable, or a system property of the same name); without it the picker expects the
   * hash that xDS routing puts in the call options.
   */
  static final String REQUEST_HASH_HEADER_FLAG = "GRPC_EXPERIMENTAL_RING_HASH_SET_REQUEST_HASH_KEY";

  private static final ChannelLogger NO_LOG =
      new ChannelLogger() {
        @Override
        public void log(ChannelLogLevel level, String message) {}

        @Override
        public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
      };

  private static final MethodDescriptor.Marshaller<Object> NO_BODY =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Object value) {
          return new ByteArrayInputStream(new byte[0]);
        }

        @Override
        public Object parse(InputStream stream) {
          return null;
        }
      };

  static final MethodDescriptor<Object, Object> METHOD =
      MethodDescriptor.newBuilder(NO_BODY, NO_BODY)
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("bench.Service/Call")
          .build();

  private static final PickDetailsConsumer NO_DETAILS = new PickDetailsConsumer() {};

  private GrpcFixtures() {}

  /**
   * gRPC's {@code round_robin} from io.grpc.util, which a channel gets from the registry unless
   * grpc-services is on the class path: grpc-services (which grpc-xds brings here) registers a
   * health-checking {@code round_robin} of higher priority that wraps every picker it publishes.
   */
  static FakeChannel roundRobin(int n) {
    FakeChannel channel = new FakeChannel(registeredBy("io.grpc.util", "round_robin"), Map.of(), n);
    channel.connectAll();
    return channel;
  }

  /** gRPC's {@code least_request_experimental} with two choices (power of two choices). */
  static FakeChannel leastRequest(int n) {
    FakeChannel channel =
        new FakeChannel(registered("least_request_experimental"), Map.of("choiceCount", 2.0), n);
    channel.connectAll();
    return channel;
  }

  /**
   * gRPC's {@code ring_hash_experimental} with its default ring size (1,024 to 4,096 entries),
   * hashing the value of {@link #HASH_HEADER} with XXH64 on every pick. Its endpoints connect
   * lazily, on the first pick that lands on them, so this picks with generated keys until every one
   * of the {@code n} endpoints has a READY subchannel.
   */
  static FakeChannel ringHash(int n) {
    String previous = System.getProperty(REQUEST_HASH_HEADER_FLAG);
    System.setProperty(REQUEST_HASH_HEADER_FLAG, "true");
    FakeChannel channel;
    try {
      channel =
          new FakeChannel(
              registered("ring_hash_experimental"), Map.of("requestHashHeader", HASH_HEADER), n);
    } finally {
      if (previous == null) {
        System.clearProperty(REQUEST_HASH_HEADER_FLAG);
      } else {
        System.setProperty(REQUEST_HASH_HEADER_FLAG, previous);
      }
    }
    String[] keys = Fixtures.keys(Fixtures.KEY_COUNT, -1);
    for (int i = 0; channel.readyCount() < n; i++) {
      if (i == 1000 * n) {
        throw new IllegalStateException(
            "ring_hash: "
                + channel.readyCount()
                + " of "
                + n
                + " endpoints READY after "
                + i
                + " picks (expected: all)");
      }
      String key = i < keys.length ? keys[i] : keys[i % keys.length] + i;
      channel.picker().pickSubchannel(args(headers(key)));
      channel.connectAll();
    }
    return channel;
  }

  /** The policy a service config names {@code policy}, from the default registry. */
  static LoadBalancerProvider registered(String policy) {
    LoadBalancerProvider provider = LoadBalancerRegistry.getDefaultRegistry().getProvider(policy);
    if (provider == null) {
      throw new IllegalStateException("policy: '" + policy + "' (expected: a registered one)");
    }
    return provider;
  }

  /** The provider of {@code policy} that the classes of {@code pkg} register as a service. */
  static LoadBalancerProvider registeredBy(String pkg, String policy) {
    for (LoadBalancerProvider provider : ServiceLoader.load(LoadBalancerProvider.class)) {
      if (provider.getPolicyName().equals(policy)
          && provider.getClass().getPackageName().equals(pkg)) {
        return provider;
      }
    }
    throw new IllegalStateException(
        "policy: '" + policy + "' from " + pkg + " (expected: a registered one)");
  }

  /** Headers carrying {@code key} in {@link #HASH_HEADER}. */
  static Metadata headers(String key) {
    Metadata headers = new Metadata();
    headers.put(HASH_HEADER_KEY, key);
    return headers;
  }

  /** What a channel passes its picker for one call of {@link #METHOD} with {@code headers}. */
  static PickSubchannelArgs args(Metadata headers) {
    return new Args(headers);
  }

  /**
   * Checks that {@code result} names one of {@code channel}'s subchannels and that it is READY, so
   * that a benchmark measures real picks rather than an error or a queued call.
   */
  static Subchannel requireReady(FakeChannel channel, PickResult result) {
    if (!result.getStatus().isOk()
        || !(result.getSubchannel() instanceof FakeSubchannel subchannel)
        || subchannel.channel() != channel
        || subchannel.state != ConnectivityState.READY) {
      throw new IllegalStateException(
          channel.policy + ": pick " + result + " (expected: a READY subchannel)");
    }
    return subchannel;
  }

  /** The arguments of one pick, as the channel builds them for a call. */
  private static final class Args extends PickSubchannelArgs {
    private final Metadata headers;

    Args(Metadata headers) {
      this.headers = headers;
    }

    @Override
    public CallOptions getCallOptions() {
      return CallOptions.DEFAULT;
    }

    @Override
    public Metadata getHeaders() {
      return headers;
    }

    @Override
    public MethodDescriptor<?, ?> getMethodDescriptor() {
      return METHOD;
    }

    @Override
    public PickDetailsConsumer getPickDetailsConsumer() {
      return NO_DETAILS;
    }
  }

  /**
   * One gRPC policy and what a channel gives it: a synchronization context, subchannels, and a
   * place to publish its picker. Subchannels connect when {@link #connectAll()} says so.
   */
  static final class FakeChannel extends LoadBalancer.Helper {
    final String policy;
    private final SynchronizationContext syncContext =
        new SynchronizationContext(
            (thread, e) -> {
              throw new IllegalStateException("gRPC synchronization context: " + e, e);
            });
    private final List<FakeSubchannel> subchannels = new ArrayList<>();
    private final LoadBalancer balancer;
    private volatile SubchannelPicker picker =
        new LoadBalancer.FixedResultPicker(PickResult.withNoResult());
    private volatile ConnectivityState state = ConnectivityState.IDLE;

    FakeChannel(LoadBalancerProvider provider, Map<String, ?> config, int n) {
      this.policy = provider.getPolicyName();
      ConfigOrError parsed = provider.parseLoadBalancingPolicyConfig(config);
      if (parsed.getError() != null) {
        throw new IllegalStateException(policy + " config " + config + ": " + parsed.getError());
      }
      List<EquivalentAddressGroup> addresses = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        addresses.add(new EquivalentAddressGroup(address(i)));
      }
      ResolvedAddresses resolved =
          ResolvedAddresses.newBuilder()
              .setAddresses(addresses)
              .setLoadBalancingPolicyConfig(parsed.getConfig())
              .build();
      balancer = provider.newLoadBalancer(this);
      Status[] accepted = new Status[1];
      syncContext.execute(() -> accepted[0] = balancer.acceptResolvedAddresses(resolved));
      if (!accepted[0].isOk()) {
        throw new IllegalStateException(policy + " rejected " + n + " addresses: " + accepted[0]);
      }
    }

    private static InetSocketAddress address(int i) {
      byte[] ip = {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
      try {
        return new InetSocketAddress(InetAddress.getByAddress(ip), 8080);
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The latest picker, read per call as the channel reads it. */
    SubchannelPicker picker() {
      return picker;
    }

    ConnectivityState state() {
      return state;
    }

    /** Brings every subchannel the policy asked to connect to READY, through CONNECTING. */
    void connectAll() {
      syncContext.execute(
          () -> {
            for (FakeSubchannel subchannel : List.copyOf(subchannels)) {
              if (subchannel.connectionRequested && subchannel.state == ConnectivityState.IDLE) {
                subchannel.moveTo(ConnectivityState.CONNECTING);
                subchannel.moveTo(ConnectivityState.READY);
              }
            }
          });
    }

    /** Subchannels that are READY. */
    int readyCount() {
      int ready = 0;
      for (FakeSubchannel subchannel : List.copyOf(subchannels)) {
        if (subchannel.state == ConnectivityState.READY) {
          ready++;
        }
      }
      return ready;
    }

    void shutdown() {
      syncContext.execute(balancer::shutdown);
    }

    @Override
    public Subchannel createSubchannel(CreateSubchannelArgs args) {
      syncContext.throwIfNotInThisSynchronizationContext();
      FakeSubchannel subchannel = new FakeSubchannel(this, args);
      subchannels.add(subchannel);
      return subchannel;
    }

    @Override
    public void updateBalancingState(ConnectivityState newState, SubchannelPicker newPicker) {
      state = newState;
      picker = newPicker;
    }

    @Override
    public SynchronizationContext getSynchronizationContext() {
      return syncContext;
    }

    @Override
    public String getAuthority() {
      return "bench.invalid";
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return NO_LOG;
    }

    @Override
    public void refreshNameResolution() {}

    @Override
    public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
      throw new UnsupportedOperationException("out-of-band channels (expected: none)");
    }
  }

  /** A subchannel with no transport: it connects when {@link FakeChannel#connectAll()} says so. */
  static final class FakeSubchannel extends Subchannel {
    private final FakeChannel channel;
    private List<EquivalentAddressGroup> addresses;
    private final Attributes attributes;
    private SubchannelStateListener listener;
    private boolean connectionRequested;
    volatile ConnectivityState state = ConnectivityState.IDLE;

    FakeSubchannel(FakeChannel channel, CreateSubchannelArgs args) {
      this.channel = channel;
      this.addresses = args.getAddresses();
      this.attributes = args.getAttributes();
    }

    FakeChannel channel() {
      return channel;
    }

    void moveTo(ConnectivityState next) {
      state = next;
      if (listener != null) {
        listener.onSubchannelState(ConnectivityStateInfo.forNonError(next));
      }
    }

    @Override
    public void start(SubchannelStateListener listener) {
      this.listener = listener;
    }

    @Override
    public void requestConnection() {
      connectionRequested = true;
    }

    @Override
    public void shutdown() {
      state = ConnectivityState.SHUTDOWN;
    }

    @Override
    public List<EquivalentAddressGroup> getAllAddresses() {
      return addresses;
    }

    @Override
    public void updateAddresses(List<EquivalentAddressGroup> addresses) {
      this.addresses = addresses;
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return NO_LOG;
    }

    @Override
    public String toString() {
      return "FakeSubchannel" + addresses + " " + state;
    }
  }
}
