'use strict';
// The core of the walk-through through the Node client, which loads the
// protos at run time. Run by with_suite.sh, which sets IRONORG_GATEWAY_ADDR
// and IRONORG_DATA_DIR. The operator creates an organization, its Admin
// creates a Developer and two projects and grants one of them, and the
// Developer lists only that one. Then a denied, an invalid and an anonymous
// call each get their status code. Last, clients/node/example.js lists the
// Developer's projects. The first failed step ends the test with a message
// naming it and exit status 1.

const {execFile} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const {promisify} = require('node:util');

const clientDir = path.resolve(__dirname, '..', '..', 'clients', 'node');
const ironorg = require(path.join(clientDir, 'ironorg'));

const password = 'correct horse battery staple';
const adminEmail = 'ada@acme.example';
const developerEmail = 'dev@acme.example';

let stepsPassed = 0;

class StepFailure extends Error {}

function fail(step, message) {
  throw new StepFailure(`FAIL ${step}: ${message}`);
}

function passed(step) {
  stepsPassed += 1;
  console.log(`ok ${String(stepsPassed).padStart(2)} ${step}`);
}

function describe(error) {
  return `${ironorg.codeName(error.code)} (${error.details})`;
}

// Returns the response of `call`, or fails `step` if the call fails.
async function expectOk(step, call) {
  try {
    return await call();
  } catch (error) {
    if (error.code === undefined) {
      throw error;
    }
    return fail(step, `got ${describe(error)}, expected OK`);
  }
}

// Returns the error of `call`, or fails `step` unless it has `code`.
async function expectCode(step, code, call) {
  try {
    await call();
  } catch (error) {
    if (error.code === undefined) {
      throw error;
    }
    if (error.code !== code) {
      fail(step, `got ${describe(error)}, expected ${ironorg.codeName(code)}`);
    }
    return error;
  }
  return fail(step, `succeeded, expected ${ironorg.codeName(code)}`);
}

function check(step, condition, message) {
  if (!condition) {
    fail(step, message);
  }
}

async function displayNames(gateway, organization) {
  const names = [];
  for await (const project of ironorg.listAll(
      gateway.projects.ListProjects, {parent: organization}, 'projects')) {
    names.push(project.displayName);
  }
  return names.sort();
}

async function walkThrough(anonymous, operatorToken) {
  const operator = anonymous.withToken(operatorToken);

  let step = 'operator creates organization Acme';
  const organization = await expectOk(step, () => operator.organizations.CreateOrganization({
    organization: {displayName: 'Acme'},
    adminEmail,
    adminDisplayName: 'Ada',
    adminPassword: password,
  }));
  check(step, organization.name.startsWith('organizations/'),
      `organization name "${organization.name}" does not start with organizations/`);
  passed(step);

  step = 'Admin logs in';
  let login = await expectOk(step, () =>
    anonymous.auth.Login({email: adminEmail, password}));
  check(step, login.user.role === 'ROLE_ADMIN', `role is ${login.user.role}, expected ROLE_ADMIN`);
  const admin = anonymous.withToken(login.accessToken);
  passed(step);

  step = 'Admin creates a Developer';
  const developerUser = await expectOk(step, () => admin.users.CreateUser({
    parent: organization.name,
    user: {email: developerEmail, displayName: 'Dev', role: 'ROLE_DEVELOPER'},
    password,
  }));
  check(step, developerUser.role === 'ROLE_DEVELOPER',
      `role is ${developerUser.role}, expected ROLE_DEVELOPER`);
  passed(step);

  const projects = {};
  for (const displayName of ['Website', 'Payroll']) {
    step = `Admin creates project ${displayName}`;
    projects[displayName] = await expectOk(step, () => admin.projects.CreateProject({
      parent: organization.name,
      project: {displayName},
    }));
    passed(step);
  }

  step = 'Admin grants Website to the Developer';
  await expectOk(step, () => admin.projectAccess.GrantProjectAccess({
    project: projects.Website.name,
    user: developerUser.name,
  }));
  passed(step);

  step = 'Admin lists projects (sees both)';
  let seen = await expectOk(step, () => displayNames(admin, organization.name));
  check(step, seen.join(',') === 'Payroll,Website', `saw [${seen}], expected [Payroll,Website]`);
  passed(step);

  step = 'Developer logs in';
  login = await expectOk(step, () => anonymous.auth.Login({email: developerEmail, password}));
  const developer = anonymous.withToken(login.accessToken);
  passed(step);

  step = 'Developer lists projects (sees Website only)';
  seen = await expectOk(step, () => displayNames(developer, organization.name));
  check(step, seen.join(',') === 'Website', `saw [${seen}], expected [Website]`);
  passed(step);

  step = 'Developer creates a project';
  await expectCode(step, ironorg.status.PERMISSION_DENIED, () =>
    developer.projects.CreateProject({
      parent: organization.name,
      project: {displayName: 'Shadow IT'},
    }));
  passed(step);

  step = 'Admin lists projects with page_size -1';
  const error = await expectCode(step, ironorg.status.INVALID_ARGUMENT, () =>
    admin.projects.ListProjects({parent: organization.name, pageSize: -1}));
  check(step, error.details.includes('page_size'),
      `message "${error.details}" does not name page_size`);
  const fields = ironorg.badRequestViolations(error).map((violation) => violation.field);
  check(step, fields.join(',') === 'page_size',
      `BadRequest detail names fields [${fields}], expected [page_size]`);
  passed(step);

  step = 'anonymous caller lists projects';
  await expectCode(step, ironorg.status.UNAUTHENTICATED, () =>
    anonymous.projects.ListProjects({parent: organization.name}));
  passed(step);

  return projects;
}

async function runExample(address, projects) {
  const step = 'example.js lists the Developer\'s projects';
  let output;
  try {
    output = await promisify(execFile)(
        process.execPath,
        [path.join(clientDir, 'example.js'), '--gateway', address, '--email', developerEmail],
        {env: {...process.env, IRONORG_PASSWORD: password}, timeout: 60000});
  } catch (error) {
    return fail(step, `exit status ${error.code}, stderr: ${String(error.stderr).trim()}`);
  }
  const expected = `${projects.Website.name}\tWebsite\n`;
  check(step, output.stdout === expected,
      `printed ${JSON.stringify(output.stdout)}, expected ${JSON.stringify(expected)}`);
  passed(step);
}

async function main() {
  const address = process.env.IRONORG_GATEWAY_ADDR;
  const operatorToken = fs.readFileSync(
      path.join(process.env.IRONORG_DATA_DIR, 'operator-token'), 'utf8').trim();

  const anonymous = ironorg.connect(address);
  let projects;
  try {
    projects = await walkThrough(anonymous, operatorToken);
  } finally {
    anonymous.close();
  }
  await runExample(address, projects);
  console.log(`${stepsPassed} passed, 0 failed`);
}

main().catch((error) => {
  console.error(error instanceof StepFailure ? error.message : error);
  console.log(`${stepsPassed} passed, 1 failed`);
  process.exitCode = 1;
});
