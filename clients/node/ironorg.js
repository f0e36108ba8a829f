'use strict';
// A small Node client for the ironorg gateway. It loads the .proto files at
// run time with @grpc/proto-loader and calls them with @grpc/grpc-js, both
// pinned in tools/package.json, so nothing is generated and no protoc
// binary is downloaded. Open one channel, then take one view per caller:
//
//   const ironorg = require('./ironorg');
//   const gateway = ironorg.connect('127.0.0.1:50051');
//   const login = await gateway.auth.Login({email, password});
//   const admin = gateway.withToken(login.accessToken);
//   const page = await admin.projects.ListProjects({parent});
//
// Methods keep their proto names and return promises. Fields are in
// lowerCamelCase, enums are strings ('ROLE_DEVELOPER'), int64 values are
// strings, and Timestamps are {seconds, nanos}.

const fs = require('node:fs');
const path = require('node:path');
const {createRequire} = require('node:module');

const repoRoot = path.resolve(__dirname, '..', '..');

// The npm packages come from tools/node_modules, which scripts/setup.sh
// fills from tools/package-lock.json, or from the node_modules folder
// named by IRONORG_NPM_MODULES.
const npmModules =
    process.env.IRONORG_NPM_MODULES || path.join(repoRoot, 'tools', 'node_modules');
// createRequire resolves from the folder of the file it is given, which
// need not exist.
const requireTool = createRequire(path.join(npmModules, 'ironorg-client.js'));

function requireToolPackage(name) {
  try {
    return requireTool(name);
  } catch (error) {
    throw new Error(
        `${name} not found in ${npmModules}: run scripts/setup.sh, ` +
        `or set IRONORG_NPM_MODULES to a node_modules folder holding it ` +
        `(${error.message})`);
  }
}

const grpc = requireToolPackage('@grpc/grpc-js');
const protoLoader = requireToolPackage('@grpc/proto-loader');
// protobufjs is the parser under @grpc/proto-loader, pinned by the lock file.
const protobuf = requireToolPackage('protobufjs');

// google/protobuf imports resolve to the copies that protobufjs bundles.
// google/rpc comes from google-proto-files.
const includeDirs = [
  path.join(repoRoot, 'proto'),
  path.join(npmModules, 'google-proto-files'),
];

const publicProtos = [
  'ironorg/identity/v1/organization.proto',
  'ironorg/identity/v1/user.proto',
  'ironorg/identity/v1/auth.proto',
  'ironorg/projects/v1/project.proto',
  'ironorg/projects/v1/project_access.proto',
  'ironorg/clusters/v1/cluster.proto',
  'ironorg/clusters/v1/cluster_access.proto',
  'ironorg/clusters/v1/runner.proto',
  'ironorg/billing/v1/plan.proto',
  'ironorg/billing/v1/subscription.proto',
  'ironorg/billing/v1/billing_account.proto',
  'ironorg/gateway/v1/access.proto',
];

const packageDefinition = protoLoader.loadSync(publicProtos, {
  includeDirs,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const api = grpc.loadPackageDefinition(packageDefinition).ironorg;

// Each view property and the service it calls.
const services = {
  organizations: api.identity.v1.OrganizationService,
  users: api.identity.v1.UserService,
  auth: api.identity.v1.AuthService,
  projects: api.projects.v1.ProjectService,
  projectAccess: api.projects.v1.ProjectAccessService,
  clusters: api.clusters.v1.ClusterService,
  clusterAccess: api.clusters.v1.ClusterAccessService,
  runners: api.clusters.v1.RunnerService,
  plans: api.billing.v1.PlanService,
  subscriptions: api.billing.v1.SubscriptionService,
  billingAccounts: api.billing.v1.BillingAccountService,
  access: api.gateway.v1.AccessService,
};

// google.rpc.Status and its details, to decode the grpc-status-details-bin
// trailer. protobufjs parses them directly, because proto-loader returns
// descriptors without decoders for messages that no method uses.
const rpcTypes = protobuf.loadSync([
  path.join(npmModules, 'google-proto-files', 'google', 'rpc', 'status.proto'),
  path.join(npmModules, 'google-proto-files', 'google', 'rpc', 'error_details.proto'),
]);
const StatusMessage = rpcTypes.lookupType('google.rpc.Status');
const BadRequest = rpcTypes.lookupType('google.rpc.BadRequest');

// The deadline of a call that sets none. The gateway caps every call at
// 30 s by default (--max_call_timeout), so a longer one would not help.
const DEFAULT_TIMEOUT_MS = 30000;

// Wraps the unary methods of one service as promise-returning functions
// that send `token` as a bearer token.
function promiseService(ServiceClient, channel, token) {
  const client = new ServiceClient('unused', null, {channelOverride: channel});
  const methods = {};
  for (const [name, definition] of Object.entries(ServiceClient.service)) {
    // Every public method of the API is unary.
    if (definition.requestStream || definition.responseStream) {
      continue;
    }
    methods[name] = (request, {deadline} = {}) => new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata();
      if (token) {
        metadata.set('authorization', `Bearer ${token}`);
      }
      const options = {deadline: deadline || Date.now() + DEFAULT_TIMEOUT_MS};
      client[name](request, metadata, options, (error, response) => {
        if (error) {
          reject(error);
        } else {
          resolve(response);
        }
      });
    });
  }
  return methods;
}

// The public services of the gateway, called as one caller. Views made by
// withToken share the channel, and closing any of them closes it for all.
class Gateway {
  constructor(channel, token) {
    this.channel = channel;
    this.token = token || '';
    for (const [property, ServiceClient] of Object.entries(services)) {
      this[property] = promiseService(ServiceClient, channel, this.token);
    }
  }

  // Returns a view of the same channel that sends `token` as a bearer.
  withToken(token) {
    return new Gateway(this.channel, token);
  }

  // Returns a view of the same channel that sends no token.
  anonymous() {
    return new Gateway(this.channel, '');
  }

  close() {
    this.channel.close();
  }
}

// Opens a channel to the gateway at `address` ("host:port"). Without
// caFile the channel is plaintext, which the gateway serves only on
// loopback. With caFile (PEM) it is TLS, verified against that CA.
function connect(address, {token, caFile} = {}) {
  const credentials = caFile ?
      grpc.credentials.createSsl(fs.readFileSync(caFile)) :
      grpc.credentials.createInsecure();
  return new Gateway(new grpc.Channel(address, credentials, {}), token);
}

// Returns "organizations/{org}" for any name inside that organization.
function organizationOf(resourceName) {
  const parts = resourceName.split('/');
  if (parts.length < 2 || parts[0] !== 'organizations' || !parts[1]) {
    throw new Error(
        `"${resourceName}" is not a name inside an organization, ` +
        'expected organizations/{organization}/...');
  }
  return parts.slice(0, 2).join('/');
}

// Yields every item of a paginated List call, page by page. `method` is a
// view method such as gateway.projects.ListProjects, `request` its request
// (pageToken is overwritten) and `field` the repeated field of the
// response, e.g. 'projects'.
async function* listAll(method, request, field) {
  let pageToken = '';
  do {
    const response = await method({...request, pageToken});
    yield* response[field];
    pageToken = response.nextPageToken;
  } while (pageToken);
}

// Returns the name of a grpc.status code, e.g. 'PERMISSION_DENIED'.
function codeName(code) {
  return Object.keys(grpc.status).find((name) => grpc.status[name] === code) ||
      `code ${code}`;
}

// Returns the google.rpc.Status that a failed call's error carries in its
// trailers, or null. The gateway sends one whenever the status has details
// (google.rpc.BadRequest, google.rpc.RetryInfo).
function errorStatus(error) {
  const values = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
  if (values.length === 0) {
    return null;
  }
  return StatusMessage.decode(values[0]);
}

// Returns the field violations ({field, description}) of a failed call's
// google.rpc.BadRequest detail. Returns [] when it carries none.
function badRequestViolations(error) {
  const status = errorStatus(error);
  if (!status) {
    return [];
  }
  const violations = [];
  for (const detail of status.details) {
    if (detail.type_url.endsWith('/google.rpc.BadRequest')) {
      violations.push(...BadRequest.decode(detail.value).fieldViolations);
    }
  }
  return violations;
}

module.exports = {
  grpc,
  status: grpc.status,
  connect,
  Gateway,
  organizationOf,
  listAll,
  codeName,
  errorStatus,
  badRequestViolations,
};
