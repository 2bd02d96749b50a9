#!/usr/bin/env node
// lwm2m-node-lib's interactive LwM2M server console with its settings taken from the environment.
// The package's console program takes no options and hard-codes UDP port 5684, so tests that need a
// free port per run override the shared config module before the program loads it.
//   LWM2M_PORT       UDP port to listen on after `start` (default 5684)
//   LWM2M_LOG_LEVEL  logops level for the library (default FATAL, so stdout carries only console output)
'use strict';
var config = require('lwm2m-node-lib/config');

if (process.env.LWM2M_PORT) {
    config.server.port = parseInt(process.env.LWM2M_PORT, 10);
}
config.server.logLevel = process.env.LWM2M_LOG_LEVEL || 'FATAL';

require('lwm2m-node-lib/bin/iotagent-lwm2m-server.js');
