import 'reflect-metadata';
import { runMain } from '@ensemble/grpc';
import { runModelServer } from '@ensemble/model-server';
import { AR_SERVER_PROFILE } from './ar-server.profile';

runMain(AR_SERVER_PROFILE.appName, () => runModelServer(AR_SERVER_PROFILE));
