#!/usr/bin/env node
// lwm2m-node-lib's interactive LwM2M client console with its settings taken from the environment.
// The package's console program takes no options; tests need a short lifetime and a quiet log, so the
// shared config module is adjusted before the program loads it.
//   LWM2M_LIFETIME          registration lifetime in seconds (default 85671, the package's own)
//   LWM2M_CLIENT_LOG_LEVEL  logops level for the client library (default FATAL instead of DEBUG, so
//                           stdout carries only console output)
'use strict';
var config = require('lwm2m-node-lib/config');

if (process.env.LWM2M_LIFETIME) {
    config.client.lifetime = String(parseInt(process.env.LWM2M_LIFETIME, 10));
}
config.client.logLevel = process.env.LWM2M_CLIENT_LOG_LEVEL || 'FATAL';
// The library applies client.logLevel only when the top-level logLevel is set as well.
config.logLevel = config.client.logLevel;

require('lwm2m-node-lib/bin/iotagent-lwm2m-client.js');
