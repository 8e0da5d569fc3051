// The failure converter every client, worker and workflow bundle loads by path (DataConverter.failureConverterPath):
// failure messages and stack traces move into an encoded payload, so the payload codec encrypts them like any other
// payload. CommonJS on purpose: the SDK require()s this file at run time and webpack bundles it into the workflow
// sandbox, from sources (tsx) and from dist/ alike.
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
