import 'reflect-metadata';
import { runMain } from '@ensemble/grpc';
import { runModelServer } from '@ensemble/model-server';
import { DIFFUSION_SERVER_PROFILE } from './diffusion-server.profile';

runMain(DIFFUSION_SERVER_PROFILE.appName, () => runModelServer(DIFFUSION_SERVER_PROFILE));
