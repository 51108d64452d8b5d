import{a as o}from"./shared.js";o();
