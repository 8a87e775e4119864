/*
 * publish_c: the C row of bench/publish. A plain rabbitmq-c program doing what the
 * Swift AMQP module does for the raw row, so that the ratio measures the Swift layer
 * and not the broker: persistent messages into a fresh durable queue on one channel in
 * confirm mode, pipelined (every message in flight, or at most --window), reading the
 * broker's basic.ack / basic.nack frames (handling `multiple`) without blocking after
 * every 512 publishes like the Swift module, then waiting for the rest.
 *
 * Usage: publish_c --url URL --count N --size BYTES --queue Q [--window W]
 * Prints: rate=<msgs/s> count=<n> seconds=<s> peak_rss_kb=<KiB>
 * Exit codes: 0 every message acked, 1 failure (any nack, return or lost confirm), 64 usage.
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

static void die(const char *what, const char *detail) {
  fprintf(stderr, "publish_c: %s: %s\n", what, detail);
  exit(1);
}

static void check_reply(amqp_connection_state_t conn, const char *what) {
  amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return;
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
    die(what, amqp_error_string2(reply.library_error));
  die(what, "broker closed the channel or connection");
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Confirm bookkeeping: the broker acks in order on one channel, so a count of settled
 * messages and of nacks is enough (the Swift module keeps per-message outcomes). */
struct confirms {
  uint64_t settled_up_to; /* highest delivery tag settled by a multiple ack, or single */
  uint64_t settled;       /* messages settled */
  uint64_t nacked;
};

static void settle(struct confirms *c, uint64_t tag, int multiple, int ack) {
  uint64_t count = 1;
  if (multiple) {
    count = tag > c->settled_up_to ? tag - c->settled_up_to : 0;
  }
  if (tag > c->settled_up_to) c->settled_up_to = tag;
  c->settled += count;
  if (!ack) c->nacked += count;
}

/* Reads one frame, waiting at most `timeout` (NULL = forever). Returns 0 on timeout. */
static int read_frame(amqp_connection_state_t conn, struct confirms *c, struct timeval *timeout) {
  amqp_frame_t frame;
  amqp_maybe_release_buffers(conn);
  int status = amqp_simple_wait_frame_noblock(conn, &frame, timeout);
  if (status == AMQP_STATUS_TIMEOUT) return 0;
  if (status != AMQP_STATUS_OK) die("waiting for confirms", amqp_error_string2(status));
  if (frame.frame_type != AMQP_FRAME_METHOD) return 1;
  switch (frame.payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      amqp_basic_ack_t *ack = frame.payload.method.decoded;
      settle(c, ack->delivery_tag, ack->multiple, 1);
      break;
    }
    case AMQP_BASIC_NACK_METHOD: {
      amqp_basic_nack_t *nack = frame.payload.method.decoded;
      settle(c, nack->delivery_tag, nack->multiple, 0);
      break;
    }
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      die("publishing", "broker closed the channel or connection");
    default:
      break;
  }
  return 1;
}

static long parse_number(const char *flag, const char *text, long minimum) {
  char *end = NULL;
  errno = 0;
  long n = strtol(text, &end, 10);
  if (errno || !end || *end || n < minimum) {
    fprintf(stderr, "publish_c: %s wants a whole number >= %ld, got '%s'\n", flag, minimum, text);
    exit(64);
  }
  return n;
}

int main(int argc, char **argv) {
  const char *url_text = "amqp://guest:guest@127.0.0.1:5673/";
  const char *queue = "changebus.bench.publish.c";
  long count = 20000, size = 1024, window = 0;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      fprintf(stderr, "publish_c: %s needs a value\n", argv[i]);
      return 64;
    }
    if (!strcmp(argv[i], "--url")) url_text = argv[i + 1];
    else if (!strcmp(argv[i], "--queue")) queue = argv[i + 1];
    else if (!strcmp(argv[i], "--count")) count = parse_number(argv[i], argv[i + 1], 1);
    else if (!strcmp(argv[i], "--size")) size = parse_number(argv[i], argv[i + 1], 0);
    else if (!strcmp(argv[i], "--window")) window = parse_number(argv[i], argv[i + 1], 0);
    else {
      fprintf(stderr, "publish_c: unknown option %s\n", argv[i]);
      return 64;
    }
  }

  struct amqp_connection_info info;
  char *url_copy = strdup(url_text);
  amqp_default_connection_info(&info);
  if (amqp_parse_url(url_copy, &info) != AMQP_STATUS_OK) die("bad URL", url_text);

  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t *socket = amqp_tcp_socket_new(conn);
  if (!socket) die("connect", "cannot create a socket");
  int status = amqp_socket_open(socket, info.host, info.port);
  if (status != AMQP_STATUS_OK) die("connect", amqp_error_string2(status));
  /* Like the Swift BrokerURL: an empty path is the default vhost "/" (rabbitmq-c's parser
   * gives ""), frame max 131072 and heartbeat 30 s are its defaults. */
  const char *vhost = info.vhost[0] ? info.vhost : "/";
  amqp_rpc_reply_t login = amqp_login(conn, vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN,
                                      info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) die("login", "refused (check user, password and vhost)");

  const amqp_channel_t ch = 1;
  amqp_channel_open(conn, ch);
  check_reply(conn, "open channel");
  amqp_bytes_t queue_name = amqp_cstring_bytes(queue);
  amqp_queue_declare(conn, ch, queue_name, 0, 1 /* durable */, 0, 0, amqp_empty_table);
  check_reply(conn, "declare queue");
  amqp_queue_purge(conn, ch, queue_name);
  check_reply(conn, "purge queue");
  amqp_confirm_select(conn, ch);
  check_reply(conn, "confirm.select");

  char *body_bytes = malloc(size > 0 ? (size_t)size : 1);
  memset(body_bytes, 'x', (size_t)size);
  amqp_bytes_t body = {.len = (size_t)size, .bytes = body_bytes};
  amqp_basic_properties_t props;
  memset(&props, 0, sizeof props);
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.delivery_mode = 2; /* persistent */

  struct confirms confirms = {0, 0, 0};
  struct timeval zero = {0, 0};
  double start = now_seconds();
  for (long sequence = 1; sequence <= count; sequence++) {
    status = amqp_basic_publish(conn, ch, amqp_empty_bytes, queue_name, 0, 0, &props, body);
    if (status != AMQP_STATUS_OK) die("publish", amqp_error_string2(status));
    /* Same cadence as the Swift module: drain waiting acks every 512 publishes. */
    if (sequence % 512 == 0) {
      while (read_frame(conn, &confirms, &zero)) {
      }
    }
    /* With a window, wait for the confirm of the message `window` places back. */
    while (window > 0 && sequence > window && confirms.settled_up_to < (uint64_t)(sequence - window)) {
      read_frame(conn, &confirms, NULL);
    }
  }
  while (confirms.settled < (uint64_t)count) {
    struct timeval limit = {60, 0};
    if (!read_frame(conn, &confirms, &limit)) die("waiting for confirms", "none came for 60 s");
  }
  double seconds = now_seconds() - start;

  amqp_queue_delete(conn, ch, queue_name, 0, 0);
  check_reply(conn, "delete queue");
  amqp_channel_close(conn, ch, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);

  if (confirms.nacked > 0) {
    fprintf(stderr, "publish_c: %llu of %ld messages nacked\n", (unsigned long long)confirms.nacked, count);
    return 1;
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("rate=%.1f count=%ld seconds=%.4f peak_rss_kb=%ld\n", count / seconds, count, seconds,
         usage.ru_maxrss);
  free(body_bytes);
  free(url_copy);
  return 0;
}
