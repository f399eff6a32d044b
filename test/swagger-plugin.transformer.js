// Runs the @nestjs/swagger CLI plugin under ts-jest, with the options of nest-cli.json.
const transformer = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compiler) =>
  transformer.before({ introspectComments: true, classValidatorShim: true }, compiler.program);
