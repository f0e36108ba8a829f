#!/usr/bin/env node
'use strict';
// Logs in to the ironorg gateway and lists the projects the user may see:
//
//   node clients/node/example.js --gateway 127.0.0.1:50051 \
//       --email ada@acme.example --password 'correct horse battery'
//
// Prints one line per project: its name, a tab, its display name. A
// Developer lists only the projects granted to them. The password may come
// from the IRONORG_PASSWORD environment variable instead of --password,
// which other local users can read in the process list.

const {parseArgs} = require('node:util');
const ironorg = require('./ironorg');

const usage =
    'usage: example.js [--gateway HOST:PORT] --email EMAIL [--password PASSWORD] ' +
    '[--ca-file PEM]';

function parseOptions() {
  const {values} = parseArgs({
    options: {
      'gateway': {type: 'string', default: '127.0.0.1:50051'},
      'email': {type: 'string'},
      'password': {type: 'string', default: process.env.IRONORG_PASSWORD || ''},
      'ca-file': {type: 'string'},
    },
  });
  if (!values.email) {
    throw new Error(`missing --email\n${usage}`);
  }
  if (!values.password) {
    throw new Error(`missing password: pass --password or set IRONORG_PASSWORD\n${usage}`);
  }
  return values;
}

// Runs `call` and turns a failed RPC into an error that names the method.
async function rpc(method, call) {
  try {
    return await call();
  } catch (error) {
    if (error.code === undefined) {
      throw error;
    }
    throw new Error(`${method} failed: ${ironorg.codeName(error.code)}: ${error.details}`);
  }
}

async function main() {
  const options = parseOptions();
  const gateway = ironorg.connect(options.gateway, {caFile: options['ca-file']});
  try {
    const login = await rpc('Login', () =>
      gateway.auth.Login({email: options.email, password: options.password}));
    const user = gateway.withToken(login.accessToken);
    const request = {parent: ironorg.organizationOf(login.user.name)};
    await rpc('ListProjects', async () => {
      for await (const project of ironorg.listAll(user.projects.ListProjects, request, 'projects')) {
        process.stdout.write(`${project.name}\t${project.displayName}\n`);
      }
    });
  } finally {
    gateway.close();
  }
}

main().catch((error) => {
  process.stderr.write(`example: ${error.message}\n`);
  process.exitCode = 1;
});
