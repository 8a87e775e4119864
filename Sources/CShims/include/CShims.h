#ifndef CHANGEBUS_CSHIMS_H
#define CHANGEBUS_CSHIMS_H
#include <amqp.h>
#include <amqp_framing.h>

/// Non-variadic wrapper around amqp_login_with_properties (SASL PLAIN), which Swift
/// cannot call because it is variadic. Returns the RPC reply by value.
amqp_rpc_reply_t cb_login_plain(amqp_connection_state_t state, const char *vhost,
                                int channel_max, int frame_max, int heartbeat,
                                const amqp_table_t *client_properties,
                                const char *user, const char *password);

/// AMQP_BASIC_*_FLAG values, exported as constants because the macros are
/// not reliably importable into Swift.
extern const amqp_flags_t cb_flag_content_type;
extern const amqp_flags_t cb_flag_headers;
extern const amqp_flags_t cb_flag_delivery_mode;
extern const amqp_flags_t cb_flag_correlation_id;
extern const amqp_flags_t cb_flag_reply_to;
extern const amqp_flags_t cb_flag_expiration;
extern const amqp_flags_t cb_flag_message_id;
extern const amqp_flags_t cb_flag_timestamp;
extern const amqp_flags_t cb_flag_type;
extern const amqp_flags_t cb_flag_app_id;

#endif
