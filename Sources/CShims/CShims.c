#include "CShims.h"

amqp_rpc_reply_t cb_login_plain(amqp_connection_state_t state, const char *vhost,
                                int channel_max, int frame_max, int heartbeat,
                                const amqp_table_t *client_properties,
                                const char *user, const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat,
                                      client_properties, AMQP_SASL_METHOD_PLAIN,
                                      user, password);
}

const amqp_flags_t cb_flag_content_type = AMQP_BASIC_CONTENT_TYPE_FLAG;
const amqp_flags_t cb_flag_headers = AMQP_BASIC_HEADERS_FLAG;
const amqp_flags_t cb_flag_delivery_mode = AMQP_BASIC_DELIVERY_MODE_FLAG;
const amqp_flags_t cb_flag_correlation_id = AMQP_BASIC_CORRELATION_ID_FLAG;
const amqp_flags_t cb_flag_reply_to = AMQP_BASIC_REPLY_TO_FLAG;
const amqp_flags_t cb_flag_expiration = AMQP_BASIC_EXPIRATION_FLAG;
const amqp_flags_t cb_flag_message_id = AMQP_BASIC_MESSAGE_ID_FLAG;
const amqp_flags_t cb_flag_timestamp = AMQP_BASIC_TIMESTAMP_FLAG;
const amqp_flags_t cb_flag_type = AMQP_BASIC_TYPE_FLAG;
const amqp_flags_t cb_flag_app_id = AMQP_BASIC_APP_ID_FLAG;
