import './app/saturi-app.ts';
